#!/usr/bin/env python3
"""Details for tests/bench-accuracy.sh that score-reads does not print.

  frames READS.jsonl FRAMES_DIR    found-and-read / found-but-misread / not found
  speed READS.jsonl...             median and 90th percentile ms (board+host), host ms, decode ms
  confusion READS.jsonl CROPS_DIR [CV.jsonl]   character substitution table
"""
import json, os, re, sys
from collections import Counter

norm = lambda s: re.sub(r'[^A-Z0-9]', '', (s or '').upper())

def reads(path):
    r = {}
    for line in open(path):
        try:
            j = json.loads(line)
        except ValueError:
            continue
        r[os.path.basename(j.get('file', ''))] = j
    return r

def frames(path, d):
    r = reads(path)
    n = ok = mis = nf = 0
    for name in sorted(os.listdir(d)):
        if not name.endswith('.txt'):
            continue
        f = open(os.path.join(d, name)).read().split()
        if len(f) < 6:
            continue
        n += 1
        x, y, w, h, text = int(f[1]), int(f[2]), int(f[3]), int(f[4]), norm(f[5])
        plates = r.get(f[0], {}).get('plates') or []
        found = None
        for p in plates:
            bx, by, bw, bh = p['box']
            cx, cy = bx + bw / 2, by + bh / 2
            if x <= cx <= x + w and y <= cy <= y + h:
                found = p
                break
        if found is None:
            nf += 1
        elif norm(found['text']) == text:
            ok += 1
        else:
            mis += 1
    print(f"  plate box found and read exactly (any rank) {ok}/{n} ({100*ok/max(1,n):.1f}%), "
          f"found but misread {mis}/{n} ({100*mis/max(1,n):.1f}%), not found {nf}/{n} ({100*nf/max(1,n):.1f}%)")

def pct(v, q):
    v = sorted(v)
    return v[min(len(v) - 1, int(q * len(v)))] if v else float('nan')

def speed(paths):
    for p in paths:
        r = reads(p).values()
        ms = [j['ms'] for j in r if 'ms' in j]
        host = [j.get('host_ms', 0) for j in r]
        dec = [j.get('decode_ms', 0) for j in r]
        print(f"  {os.path.basename(p):20s} n={len(ms):3d}  median {pct(ms,.5):6.2f} ms  p90 {pct(ms,.9):6.2f} ms"
              f"  host median {pct(host,.5):6.2f} ms  (decode median {pct(dec,.5):6.2f} ms)")

def confusion(path, d, cv=None):
    truth = {}
    for line in open(os.path.join(d, 'truth.csv')):
        f = line.strip().split(',')
        if len(f) >= 3:
            truth[f[0]] = norm(f[2])
    def count(p):
        c = Counter()
        for name, j in reads(p).items():
            t = truth.get(name)
            plates = j.get('plates') or []
            if not t or not plates:
                continue
            got = norm(plates[0]['text'])
            if len(got) != len(t):
                continue
            for a, b in zip(t, got):
                if a != b:
                    c[(a, b)] += 1
        return c
    c = count(path)
    ccv = count(cv) if cv else Counter()
    keys = sorted(set(c) | set(ccv), key=lambda k: (-(c[k] + ccv[k]), k))
    print("  truth -> read: count [cross-validated count]")
    for k in keys:
        print(f"  {k[0]} -> {k[1]}: {c[k]} [{ccv[k]}]")
    if not keys:
        print("  (no substitutions)")

if __name__ == '__main__':
    cmd = sys.argv[1] if len(sys.argv) > 1 else ''
    if cmd == 'frames':
        frames(sys.argv[2], sys.argv[3])
    elif cmd == 'speed':
        speed(sys.argv[2:])
    elif cmd == 'confusion':
        confusion(sys.argv[2], sys.argv[3], sys.argv[4] if len(sys.argv) > 4 else None)
    else:
        print(__doc__)
