# Regenerates docs/usage.md and docs/provscan.1 from the --help texts and real output of
# ./provscan (run from anywhere after `make`): python3 docs/gen/usage.py; python3 docs/gen/man.py
# The commands run in the scratch folder tests/readme_check.py checks the examples in (a copy
# of fixtures/ with pinned modification times, ./provscan a link to the binary), so that
# usage.md shows what its examples print in any clone, and `make test` holds it to that.
import subprocess, os, sys, shutil
os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..'))
sys.path.insert(0, 'tests')
import readme_check
scratch, work, env = readme_check.make_scratch(os.path.abspath('provscan'))
def run(cmd, stdin=None):
    r = subprocess.run(cmd, shell=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, input=stdin,
                       cwd=work, env=env)
    return r.stdout.replace(scratch, '...'), r.returncode
def help_of(args):
    return run('./provscan ' + args)[0].rstrip('\n')
idx_out,_ = run('./provscan index -o demo.pvx fixtures/corpus')
stats_out,_ = run('./provscan stats -x demo.pvx')
match_out,_ = run('./provscan match -x demo.pvx fixtures/outputs/demo.md')
err_out, err_rc = run('./provscan match -x demo.pvx missing.md fixtures/outputs/demo.md > report.txt; echo "exit $?"')
usage_err, _ = run('./provscan index -k 0 -o demo.pvx fixtures/corpus; echo "exit $?"')
stdin_out, _ = run("sed -n 39,49p fixtures/corpus/rss/README.md | ./provscan match -x demo.pvx --format json")
credit_out,_ = run('./provscan credit -x demo.pvx --pool 100 fixtures/outputs')
run('./provscan credit -x demo.pvx --format json -o ledger.json fixtures/outputs')
verify_out,_ = run('./provscan credit --verify ledger.json')
weak_out,_ = run('./provscan credit -x demo.pvx --min-strength 5 fixtures/outputs')
recompute_out,_ = run('./provscan credit --verify ledger.json -x demo.pvx fixtures/outputs')
contradict_out,_ = run('./provscan credit --verify ledger.json -x demo.pvx --pool 10 fixtures/outputs; echo "exit $?"')
scan_out,_ = run('./provscan scan -q -x demo.pvx fixtures/scan/blog.jsonl')
scan_jsonl,_ = run('./provscan scan -q -x demo.pvx --format jsonl fixtures/scan/blog.jsonl')
remove_out,_ = run('cp demo.pvx copy.pvx && ./provscan remove -x copy.pvx --document rss/README.md')
remove_stats,_ = run('./provscan stats -x copy.pvx | tail -n 2')
se_index,_ = run('./provscan index -o se.pvx --site french.meta.stackexchange.com fixtures/stackexchange/french.meta.subset.7z')
se_match,_ = run('./provscan match -x se.pvx fixtures/outputs/stackexchange-answer.md')
tmpl = open('docs/gen/usage.tmpl').read()
subs = {
 'HELP': help_of('--help'), 'HELP_INDEX': help_of('index --help'), 'HELP_MATCH': help_of('match --help'),
 'HELP_STATS': help_of('stats --help'), 'HELP_CREDIT': help_of('credit --help'),
 'CREDIT_OUT': credit_out.rstrip('\n'), 'VERIFY_OUT': verify_out.rstrip('\n'), 'INDEX_OUT': idx_out.rstrip('\n'), 'STATS_OUT': stats_out.rstrip('\n'),
 'MATCH_OUT': match_out.rstrip('\n'), 'ERR_OUT': err_out.rstrip('\n'), 'USAGE_ERR': usage_err.rstrip('\n'),
 'STDIN_OUT': stdin_out.rstrip('\n'),
 'WEAK_OUT': weak_out.rstrip('\n'), 'RECOMPUTE_OUT': recompute_out.rstrip('\n'),
 'CONTRADICT_OUT': contradict_out.rstrip('\n'),
 'SE_INDEX_OUT': se_index.rstrip('\n'), 'SE_MATCH_OUT': se_match.rstrip('\n'),
 'HELP_SCAN': help_of('scan --help'), 'HELP_CHECK': help_of('check --help'), 'HELP_HOOK': help_of('hook --help'), 'HELP_REMOVE': help_of('remove --help'),
 'HELP_MERGE': help_of('merge --help'),
 'REMOVE_OUT': remove_out.rstrip('\n'), 'REMOVE_STATS_OUT': remove_stats.rstrip('\n'), 'SCAN_OUT': scan_out.rstrip('\n'),
 'SCAN_JSONL_OUT': scan_jsonl.rstrip('\n'),
}
for k, v in subs.items():
    tmpl = tmpl.replace('@' + k + '@', v)
open('docs/usage.md', 'w').write(tmpl)
shutil.rmtree(scratch)
