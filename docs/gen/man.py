# Regenerates docs/provscan.1 from the --help texts of ./provscan (see usage.py).
import subprocess, re, os
os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..'))
def out(cmd):
    return subprocess.run(cmd, shell=True, capture_output=True, text=True).stdout
def esc(t):
    t = t.replace('\\', '\\e').replace('-', '\\-')
    return t
def parse_help(cmd):
    h = out('./provscan %s --help' % cmd)
    usage = h.splitlines()[0][len('usage: provscan %s ' % cmd):]
    desc = h.split('\n\n')[1].replace('\n', ' ')
    opts = []
    lines = h.split('\noptions:\n')[1].rstrip('\n').split('\n')
    col = None
    for ln in lines:
        if ln.startswith('  -') or ln.startswith('      --'):
            label = ln.rstrip()
            m = re.match(r'^(\s+\S.*?)\s{2,}(\S.*)$', ln)
            label, text = m.group(1).strip(), m.group(2)
            opts.append([label, text])
        else:
            opts[-1][1] += ' ' + ln.strip()
    return usage, desc, opts
def label_roff(label):
    # "-o, --output INDEX" -> \fB\-o\fR, \fB\-\-output\fR \fIINDEX\fR
    parts = []
    for piece in label.split(', '):
        words = piece.split(' ', 1)
        s = '\\fB' + esc(words[0]) + '\\fR'
        if len(words) > 1:
            s += ' \\fI' + esc(words[1]) + '\\fR'
        parts.append(s)
    return ', '.join(parts)
def section(cmd):
    usage, desc, opts = parse_help(cmd)
    r = ['.SS "provscan %s"' % cmd, '.B provscan %s' % cmd, esc(usage), '.PP', esc(desc)]
    for label, text in opts:
        r += ['.TP', label_roff(label), esc(text)]
    return '\n'.join(r)
tmpl = open('docs/gen/man.tmpl').read()
for c in ('index', 'match', 'credit', 'scan', 'check', 'hook', 'remove', 'merge', 'stats'):
    tmpl = tmpl.replace('@%s@' % c.upper(), section(c))
open('docs/provscan.1', 'w').write(tmpl)
