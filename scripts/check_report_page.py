#!/usr/bin/env python3
"""Checks one page loaded by headless Chromium (used by .ci/browser.sh).

usage: check_report_page.py DOM_FILE SCREENSHOT_PNG MIN_COLOURS

* the DOM (from --dump-dom, after the scripts ran) has an empty data-errors
  attribute on <body> (the page records window.onerror and console.error there);
* when the page has an interactive map (data-expected on #cs-map), the map's SVG
  holds that many result features (elements of class "csf") and the script says it
  drew them (data-drawn);
* when the page has a maps section (`<section id="maps">`, the assessment page), it
  holds as many inline SVG figures as its groups announce (data-expected-figures),
  at least one, each with a size and drawn content;
* the screenshot is not blank: at least MIN_COLOURS distinct colours (PNG decoded
  with the standard library: zlib + the five scanline filters).
Prints one line; exits 1 on a failure.
"""
import re
import struct
import sys
import zlib


def png_colours(path):
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    pos, idat, w, h, ctype, depth = 8, b"", 0, 0, 0, 0
    while pos < len(data):
        (n,) = struct.unpack(">I", data[pos:pos + 4])
        kind = data[pos + 4:pos + 8]
        body = data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            w, h, depth, ctype = struct.unpack(">IIBB", body[:10])
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    if depth != 8 or ctype not in (2, 6):
        raise ValueError(f"unsupported PNG (depth {depth}, colour type {ctype})")
    bpp = 3 if ctype == 2 else 4
    raw = zlib.decompress(idat)
    stride = w * bpp
    prev = bytearray(stride)
    colours = set()
    k = 0
    for _ in range(h):
        f = raw[k]
        line = bytearray(raw[k + 1:k + 1 + stride])
        k += 1 + stride
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if f == 1:
                line[i] = (line[i] + a) & 255
            elif f == 2:
                line[i] = (line[i] + b) & 255
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pr = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                line[i] = (line[i] + pr) & 255
        # sample every 3rd pixel of every 3rd row: plenty to tell blank from drawn
        if len(colours) < 100000 and _ % 3 == 0:
            for x in range(0, w, 3):
                colours.add(bytes(line[x * bpp:x * bpp + 3]))
        prev = line
    return len(colours), w, h


def main():
    dom_path, shot, min_colours = sys.argv[1], sys.argv[2], int(sys.argv[3])
    dom = open(dom_path, encoding="utf-8", errors="replace").read()
    fails = []
    m = re.search(r"<body[^>]*>", dom)
    if not m:
        fails.append("no <body> in the DOM (the page did not load)")
    else:
        e = re.search(r'data-errors="([^"]*)"', m.group(0))
        if e is None:
            fails.append("<body> has no data-errors attribute (the error recorder did not run)")
        elif e.group(1).strip():
            fails.append(f"script errors: {e.group(1)}")
    note = ""
    mp = re.search(r'<div[^>]*id="cs-map"[^>]*>', dom)
    if mp:
        tag = mp.group(0)
        exp = re.search(r'data-expected="(\d+)"', tag)
        drawn = re.search(r'data-drawn="(\d+)"', tag)
        n = len(re.findall(r'class="csf[ "]', dom))
        if exp is None:
            fails.append("map without data-expected")
        else:
            if drawn is None:
                fails.append("the map script did not run (no data-drawn)")
            elif int(drawn.group(1)) != int(exp.group(1)):
                fails.append(f"map drew {drawn.group(1)} of {exp.group(1)} features")
            if n != int(exp.group(1)):
                fails.append(f"map SVG holds {n} features, expected {exp.group(1)}")
            note = f", map {n}/{exp.group(1)} features"
    ms = re.search(r'<section id="maps">(.*?)</section>', dom, re.S)
    if ms:
        body = ms.group(1)
        want = sum(int(x) for x in re.findall(r'data-expected-figures="(\d+)"', body))
        svgs = re.findall(r'<svg class="figure"[^>]*>(.*?)</svg>', body, re.S)
        if want == 0:
            fails.append("maps section announces no figure")
        if len(svgs) != want:
            fails.append(f"maps section holds {len(svgs)} figures, expected {want}")
        for k, inner in enumerate(svgs):
            if not re.search(r"<(path|image|rect)\b", inner):
                fails.append(f"map {k} draws nothing")
        note += f", {len(svgs)}/{want} maps inline"
    try:
        c, w, h = png_colours(shot)
        if c < min_colours:
            fails.append(f"screenshot {w}x{h} has {c} colours (< {min_colours}): blank?")
        note += f", screenshot {c} colours"
    except Exception as ex:  # noqa: BLE001
        fails.append(f"screenshot unreadable: {ex}")
    if fails:
        print("FAIL " + dom_path + ": " + "; ".join(fails))
        sys.exit(1)
    print("ok" + note)


if __name__ == "__main__":
    main()
