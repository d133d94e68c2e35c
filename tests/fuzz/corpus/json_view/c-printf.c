#include <stdio.h>

int main(void)
{
    printf("%s\n", "hello \"world\"");
    puts("a\tb\\c");
    return 0;
}
