#!/usr/bin/env python3
"""Draws the RotorScribe icon (a rotor ring around a waveform) and writes every platform's file from it:
icon.png (1024 px, Linux and the source for the others), icon.ico (Windows: 16-256 px PNG entries) and icon.icns
(macOS: 16-1024 px). Standard library only, so it runs on a build machine without image tools: `python3 make-icons.py`.
"""
import math
import os
import struct
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))


def lerp(a, b, t):
    return tuple(int(round(a[i] + (b[i] - a[i]) * t)) for i in range(len(a)))


def draw(size):
    """RGBA rows, 4x supersampled at the edges by a distance-based coverage."""
    s = size
    bg_top, bg_bottom = (40, 56, 120), (18, 24, 54)
    ring, wave = (120, 200, 255), (255, 255, 255)
    radius = 0.22 * s  # corner radius of the rounded square
    rows = []
    cx = cy = s / 2
    bars = [0.18, 0.34, 0.56, 0.80, 0.56, 0.34, 0.18]
    bar_w = s * 0.045
    gap = s * 0.028
    total = len(bars) * bar_w + (len(bars) - 1) * gap
    x0 = cx - total / 2
    for y in range(s):
        row = bytearray()
        for x in range(s):
            px, py = x + 0.5, y + 0.5
            # rounded square coverage
            dx = max(abs(px - cx) - (s / 2 - radius), 0)
            dy = max(abs(py - cy) - (s / 2 - radius), 0)
            d = math.hypot(dx, dy) - radius
            a = max(0.0, min(1.0, 0.5 - d))
            col = lerp(bg_top, bg_bottom, py / s)
            # the rotor: a ring with four notches
            r = math.hypot(px - cx, py - cy)
            ring_d = abs(r - 0.36 * s) - 0.035 * s
            ang = math.atan2(py - cy, px - cx)
            notch = abs(math.sin(2 * ang)) < 0.12
            cov = max(0.0, min(1.0, 0.5 - ring_d))
            if notch:
                cov = 0.0
            col = lerp(col, ring, cov)
            # the waveform: rounded bars
            for i, h in enumerate(bars):
                bx = x0 + i * (bar_w + gap) + bar_w / 2
                half = h * 0.26 * s
                ddx = abs(px - bx) - bar_w / 2
                ddy = abs(py - cy) - half
                # signed distance to the bar: outside, to its nearest edge; inside, negative
                dd = math.hypot(max(ddx, 0), max(ddy, 0)) + min(max(ddx, ddy), 0)
                cv = max(0.0, min(1.0, 0.5 - dd))
                if cv > 0:
                    col = lerp(col, wave, cv)
            row += bytes((col[0], col[1], col[2], int(round(a * 255))))
        rows.append(bytes(row))
    return rows


def png(rows, size):
    raw = b''.join(b'\x00' + r for r in rows)

    def chunk(kind, data):
        return struct.pack('>I', len(data)) + kind + data + struct.pack('>I', zlib.crc32(kind + data) & 0xFFFFFFFF)

    return (b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', size, size, 8, 6, 0, 0, 0))
            + chunk(b'IDAT', zlib.compress(raw, 9)) + chunk(b'IEND', b''))


def scaled(big, big_size, size):
    """Box-filter downscale of RGBA rows (premultiplied, so transparent edges do not darken)."""
    f = big_size // size
    out = []
    for y in range(size):
        row = bytearray()
        for x in range(size):
            acc = [0, 0, 0, 0]
            for yy in range(y * f, y * f + f):
                line = big[yy]
                for xx in range(x * f, x * f + f):
                    r, g, b, a = line[4 * xx:4 * xx + 4]
                    acc[0] += r * a
                    acc[1] += g * a
                    acc[2] += b * a
                    acc[3] += a
            n = f * f
            a = acc[3]
            row += bytes((acc[0] // a if a else 0, acc[1] // a if a else 0, acc[2] // a if a else 0, a // n))
        out.append(bytes(row))
    return out


def main():
    big = 1024
    rows = draw(big)
    pngs = {big: png(rows, big)}
    for size in (512, 256, 128, 64, 48, 32, 16):
        pngs[size] = png(scaled(rows, big, size), size)
    with open(os.path.join(HERE, 'icon.png'), 'wb') as f:
        f.write(pngs[1024])
    # ICO: directory of PNG-compressed images (Vista and later)
    ico_sizes = [16, 32, 48, 64, 128, 256]
    header = struct.pack('<HHH', 0, 1, len(ico_sizes))
    offset = 6 + 16 * len(ico_sizes)
    entries, blobs = b'', b''
    for sz in ico_sizes:
        data = pngs[sz]
        entries += struct.pack('<BBBBHHII', sz % 256, sz % 256, 0, 0, 1, 32, len(data), offset)
        offset += len(data)
        blobs += data
    with open(os.path.join(HERE, 'icon.ico'), 'wb') as f:
        f.write(header + entries + blobs)
    # ICNS: PNG entries by type code
    icns_types = [(b'icp4', 16), (b'icp5', 32), (b'icp6', 64), (b'ic07', 128), (b'ic08', 256), (b'ic09', 512),
                  (b'ic10', 1024)]
    body = b''.join(kind + struct.pack('>I', 8 + len(pngs[sz])) + pngs[sz] for kind, sz in icns_types)
    with open(os.path.join(HERE, 'icon.icns'), 'wb') as f:
        f.write(b'icns' + struct.pack('>I', 8 + len(body)) + body)


if __name__ == '__main__':
    main()
