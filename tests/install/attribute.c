/* attribute.c - a program outside the project, built by tests/test_install.c against the
 * installed library with `pkg-config --cflags --libs provscan`: it indexes a folder and prints
 * how many tokens of a file the index attributes ("matched N of M tokens").
 * Usage: attribute INDEX_OUT FOLDER FILE */
#include <stdio.h>
#include <stdlib.h>

#include <provscan.h>

int main(int argc, char **argv)
{
    pv_build_opts bo = PV_BUILD_OPTS_INIT;
    pv_match_opts mo = PV_MATCH_OPTS_INIT;
    pv_index *ix = NULL;
    pv_result *res = NULL;
    pv_err err = {0, ""};
    const char *sources[1];
    char *text;
    long n;
    FILE *f;

    if (argc != 4) {
        fprintf(stderr, "usage: attribute INDEX_OUT FOLDER FILE\n");
        return 2;
    }
    sources[0] = argv[2];
    if (!(f = fopen(argv[3], "rb")) || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 ||
        fseek(f, 0, SEEK_SET) != 0 || !(text = malloc((size_t)n + 1)) ||
        fread(text, 1, (size_t)n, f) != (size_t)n) {
        fprintf(stderr, "attribute: cannot read %s\n", argv[3]);
        return 3;
    }
    fclose(f);
    if (pv_index_build(argv[1], sources, 1, &bo, NULL, &err) != 0 ||
        pv_index_open(&ix, argv[1], &err) != 0 ||
        pv_match_run(ix, text, (size_t)n, &mo, &res, &err) != 0) {
        fprintf(stderr, "attribute: %s\n", err.msg);
        return 3;
    }
    printf("matched %u of %u tokens\n", res->matched_tokens, res->tokens);
    pv_result_free(res);
    pv_index_free(ix);
    free(text);
    return 0;
}
