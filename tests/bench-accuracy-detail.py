#!/usr/bin/env python3
"""Tables for tests/bench-accuracy.sh beyond what score-reads prints.

  crops READS.jsonl CROPS_DIR          exact, top-5, CER (score-reads' definitions)
  frames READS.jsonl FRAMES_DIR [--bands]
                                       plate found, read top-1 / top-5, read when found, CER;
                                       --bands: the same by the truth plate's width
  speed READS.jsonl...                 median and 90th percentile ms (board + host), host ms,
                                       decode ms; frames of 1280x720 apart
  confusion READS.jsonl CROPS_DIR [CV.jsonl]   character substitution table
  summary OUT_DIR DATA_DIR             the closing table of bench-accuracy.sh

Definitions (the same as ../shared/tools/score-reads, so the figures agree with its lines):
plates are compared in upper case without non-alphanumerics; top-1 is the image's first plate
(a frame's best-ranked reading, wherever it is); top-5 is the truth among the texts and first 5
candidates of any plate of the image; CER is the edit distance of top-1 to the truth over the
truth's characters. For frames, a plate is *found* when some reading's box overlaps the truth
box by at least a third of the smaller box's area (the rule the reader uses to call two
readings the same plate); *read when found* is the found reading's own text equal to the truth.
"""
import json, os, re, struct, sys
from collections import Counter

norm = lambda s: re.sub(r'[^A-Z0-9]', '', (s or '').upper())


def lev(a, b):
    d = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        p, d[0] = d[:], i
        for j, cb in enumerate(b, 1):
            d[j] = min(p[j] + 1, d[j - 1] + 1, p[j - 1] + (ca != cb))
    return d[-1]


def reads(path):
    r = {}
    if not os.path.exists(path):
        return r
    for line in open(path):
        try:
            j = json.loads(line)
        except ValueError:
            continue
        r[os.path.basename(j.get('file', ''))] = j
    return r


def crop_truth(d):
    t = {}
    for line in open(os.path.join(d, 'truth.csv')):
        f = line.strip().split(',')
        if len(f) >= 3:
            t[f[0]] = norm(f[2])
    return t


def frame_truth(d):
    """{file: (x, y, w, h, PLATE)} from the NAME.txt files."""
    t = {}
    for name in sorted(os.listdir(d)):
        if name.endswith('.txt'):
            f = open(os.path.join(d, name)).read().split()
            if len(f) >= 6:
                t[f[0]] = (int(f[1]), int(f[2]), int(f[3]), int(f[4]), norm(f[5]))
    return t


def top5(plates):
    c = set()
    for p in plates:
        c.add(norm(p.get('text')))
        for k in (p.get('candidates') or [])[:5]:
            c.add(norm(k.get('text') if isinstance(k, dict) else k))
    return c


def pct(a, n):
    return 100.0 * a / n if n else float('nan')


def score_crops(path, d):
    truth, r = crop_truth(d), reads(path)
    n = len(truth)
    ok = ok5 = err = chars = 0
    for name, t in truth.items():
        plates = (r.get(name) or {}).get('plates') or []
        got = norm(plates[0]['text']) if plates else ''
        ok += got == t
        ok5 += t in top5(plates)
        err += lev(got, t)
        chars += len(t)
    return {'n': n, 'top1': pct(ok, n), 'top5': pct(ok5, n), 'cer': pct(err, chars),
            'ok': ok, 'ok5': ok5, 'missing': sum(k not in r for k in truth)}


def overlap_third(a, b):
    ax, ay, aw, ah = a
    bx, by, bw, bh = b
    iw = min(ax + aw, bx + bw) - max(ax, bx)
    ih = min(ay + ah, by + bh) - max(ay, by)
    return iw > 0 and ih > 0 and 3 * iw * ih >= min(aw * ah, bw * bh)


def score_frames(path, d, keep=None):
    truth, r = frame_truth(d), reads(path)
    s = Counter()
    err = chars = 0
    for name, (x, y, w, h, t) in truth.items():
        if keep and not keep(w):
            continue
        plates = (r.get(name) or {}).get('plates') or []
        s['n'] += 1
        got = norm(plates[0]['text']) if plates else ''
        s['top1'] += got == t
        s['top5'] += t in top5(plates)
        found = [p for p in plates if overlap_third(p['box'], (x, y, w, h))]
        s['found'] += bool(found)
        s['read_found'] += any(norm(p['text']) == t for p in found)
        err += lev(got, t)
        chars += len(t)
    n = s['n']
    return {'n': n, 'found': pct(s['found'], n), 'top1': pct(s['top1'], n),
            'top5': pct(s['top5'], n), 'read_found': pct(s['read_found'], s['found']),
            'cer': pct(err, chars), 'counts': s}


def print_crops(path, d):
    s = score_crops(path, d)
    print(f"  exact {s['ok']}/{s['n']} ({s['top1']:.1f}%)  top-5 {s['ok5']}/{s['n']} "
          f"({s['top5']:.1f}%)  CER {s['cer']:.2f}%"
          + (f"  ({s['missing']} images without a line, counted as misses)" if s['missing'] else ''))


BANDS = [('< 60 px', lambda w: w < 60), ('60-79 px', lambda w: 60 <= w < 80),
         ('80-119 px', lambda w: 80 <= w < 120),
         ('120-199 px', lambda w: 120 <= w < 200), ('>= 200 px', lambda w: w >= 200)]


def print_frames(path, d, bands=False):
    rows = [('all', None)] + (BANDS if bands else [])
    print(f"  {'plate width':12s} {'n':>4s} {'found':>7s} {'top-1':>7s} {'top-5':>7s} "
          f"{'read when found':>16s} {'CER':>7s}")
    for label, keep in rows:
        s = score_frames(path, d, keep)
        if s['n'] == 0:
            continue
        print(f"  {label:12s} {s['n']:4d} {s['found']:6.1f}% {s['top1']:6.1f}% {s['top5']:6.1f}% "
              f"{s['read_found']:15.1f}% {s['cer']:6.2f}%")


def image_size(path):
    """(width, height) of a JPEG, PNG or binary PGM file, or None."""
    try:
        with open(path, 'rb') as f:
            data = f.read(1 << 16)
    except OSError:
        return None
    if data[:8] == b'\x89PNG\r\n\x1a\n':
        return struct.unpack('>II', data[16:24])
    if data[:2] == b'P5':
        f = data.split(None, 3)
        return int(f[1]), int(f[2])
    if data[:2] == b'\xff\xd8':
        i = 2
        while i + 9 < len(data):
            if data[i] != 0xFF:
                i += 1
                continue
            m = data[i + 1]
            if m in (0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF):
                h, w = struct.unpack('>HH', data[i + 5:i + 9])
                return w, h
            if m == 0xD8 or m == 0x01 or 0xD0 <= m <= 0xD7 or m == 0xFF:
                i += 2 if m != 0xFF else 1
                continue
            i += 2 + struct.unpack('>H', data[i + 2:i + 4])[0]
    return None


def quantile(v, q):
    v = sorted(v)
    return v[min(len(v) - 1, int(q * len(v)))] if v else float('nan')


def speed_of(path, size=None):
    r = [j for j in reads(path).values() if 'ms' in j]
    if size:
        r = [j for j in r if image_size(j['file']) == size]
    return {'n': len(r), 'ms': quantile([j['ms'] for j in r], .5),
            'p90': quantile([j['ms'] for j in r], .9),
            'host': quantile([j.get('host_ms', 0) for j in r], .5),
            'decode': quantile([j.get('decode_ms', 0) for j in r], .5)}


def speed(paths):
    for p in paths:
        for label, size in ((os.path.basename(p), None), ('  of them 1280x720', (1280, 720))):
            s = speed_of(p, size)
            if size and (not s['n'] or 'crop' in p):
                continue
            print(f"  {label:22s} n={s['n']:3d}  median {s['ms']:6.2f} ms  p90 {s['p90']:6.2f} ms"
                  f"  host median {s['host']:6.2f} ms  (decode median {s['decode']:6.2f} ms)")


def confusion(path, d, cv=None):
    truth = crop_truth(d)

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


def openalpr(d, kind):
    """OpenALPR 2.3's top-1 / top-5 on the set, from DATA_DIR/openalpr-2.3-result.csv."""
    p = os.path.join(d, 'openalpr-2.3-result.csv')
    if not os.path.exists(p):
        return None
    truth = crop_truth(d) if kind == 'crops' else {k: v[4] for k, v in frame_truth(d).items()}
    o1, o5 = {}, {}
    for line in list(open(p))[1:]:
        f = line.rstrip('\n').split(',')
        o1[f[0]] = norm(f[1])
        o5[f[0]] = set([norm(f[1])] + [norm(x) for x in (f[3].split()[:5] if len(f) > 3 else [])])
    n = len(truth)
    return (pct(sum(o1.get(k) == v for k, v in truth.items()), n),
            pct(sum(v in o5.get(k, ()) for k, v in truth.items()), n))


def summary(out, data):
    rb = os.path.join(out, 'robust')
    # (label, kind, truth folder, cross-validated reads, in-sample reads, OpenALPR folder)
    sets = [('crops/us', 'crops', f'{data}/crops/us', 'crops-cv', 'crops', f'{data}/crops/us')]
    sets += [(f'frames/{s}', 'frames', f'{data}/frames/{s}', f'frames-{s}-cv', f'frames-{s}',
              f'{data}/frames/{s}') for s in ('us', 'eu', 'br')]
    sets += [(f'crops/us, plate {w} px, JPEG q70', 'crops', f'{rb}/crops-w{w}', f'crops-w{w}-cv',
              f'crops-w{w}', None) for w in (60, 80, 100)]
    sets += [(f'frames/{s} in 640x480, JPEG q70', 'frames', f'{rb}/frames640-{s}',
              f'frames640-{s}-cv', f'frames640-{s}', None) for s in ('us', 'eu', 'br')]
    sets += [('synthetic scenes, plates 60-400 px (no fold: never trained on)', 'frames',
              f'{rb}/scenes', None, 'scenes', None)]
    print("| set | n | this project, cross-validated: top-1 / top-5 (frames: plate found) "
          "| built-in classifier, in-sample: top-1 / top-5 | OpenALPR 2.3: top-1 / top-5 "
          "| median ms per image (host) |")
    print("|---|---|---|---|---|---|")
    for label, kind, d, cv, ins, oa in sets:
        if not os.path.isdir(d):
            continue
        score = score_crops if kind == 'crops' else score_frames

        def cell(name):
            p = os.path.join(out, name + '.jsonl') if name else None
            if not p or not os.path.exists(p):
                return 'n/a', None
            s = score(p, d)
            c = f"{s['top1']:.1f}% / {s['top5']:.1f}%"
            if kind == 'frames':
                c += f" ({s['found']:.1f}%)"
            return c, s['n']
        cvc, n = cell(cv)
        insc, n2 = cell(ins)
        if cv is None:
            cvc = 'see built-in'
        o = openalpr(oa, kind) if oa else None
        oac = f"{o[0]:.1f}% / {o[1]:.1f}%" if o else 'n/a'
        sp = speed_of(os.path.join(out, ins + '.jsonl'))
        spc = f"{sp['ms']:.2f} ({sp['host']:.2f})" if sp['n'] else 'n/a'
        print(f"| {label} | {n or n2} | {cvc} | {insc} | {oac} | {spc} |")
    crops = speed_of(os.path.join(out, 'crops.jsonl'))
    hd = speed_of(os.path.join(out, 'frames-us.jsonl'), (1280, 720))
    mark = lambda ok: 'met' if ok else 'NOT MET'
    print(f"speed (thread CPU time, built-in classifier): {crops['ms']:.2f} ms median per crop "
          f"(target < 2: {mark(crops['ms'] < 2)}); {hd['ms']:.2f} ms median per 1280x720 frame of "
          f"frames/us, n={hd['n']} (target < 25: {mark(hd['ms'] < 25)}), host share "
          f"{hd['host']:.2f} ms (target < 3: {mark(hd['host'] < 3)})")


if __name__ == '__main__':
    cmd, a = (sys.argv[1], sys.argv[2:]) if len(sys.argv) > 1 else ('', [])
    if cmd == 'crops' and len(a) == 2:
        print_crops(a[0], a[1])
    elif cmd == 'frames' and len(a) in (2, 3):
        print_frames(a[0], a[1], '--bands' in a[2:])
    elif cmd == 'speed':
        speed(a)
    elif cmd == 'confusion' and len(a) in (2, 3):
        confusion(a[0], a[1], a[2] if len(a) > 2 else None)
    elif cmd == 'summary' and len(a) == 2:
        summary(a[0], a[1])
    else:
        print(__doc__)
        sys.exit(2)
