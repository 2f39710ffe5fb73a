#!/usr/bin/env python3
"""Makes NotoSansCJKsc-Bold.subset.otf, the font of reel titles and captions (see README.md).

Needs fontTools (Debian: apt install fonttools) and Debian's fonts-noto-cjk (or NotoSansCJK-Bold.ttc from
the noto-cjk project). The subset keeps Latin (with extensions), Greek, Cyrillic, general punctuation,
kana, CJK punctuation, full-width forms and the 6,763 hanzi of GB 2312, which cover everyday Simplified
Chinese; characters outside it are drawn with a system font where one exists.
"""
import subprocess
import sys
import tempfile
from pathlib import Path

from fontTools.ttLib import TTCollection

SOURCE = Path(sys.argv[1] if len(sys.argv) > 1 else "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc")
TARGET = Path(__file__).with_name("NotoSansCJKsc-Bold.subset.otf")
RANGES = [
    (0x0020, 0x007E), (0x00A0, 0x024F), (0x0370, 0x03FF), (0x0400, 0x04FF), (0x1E00, 0x1EFF),
    (0x2000, 0x206F), (0x20A0, 0x20BF), (0x2100, 0x214F), (0x2190, 0x21FF), (0x2460, 0x24FF),
    (0x25A0, 0x25FF), (0x3000, 0x303F), (0x3040, 0x30FF), (0xFF00, 0xFFEF),
]


def gb2312() -> set[int]:
    points = set()
    for high in range(0xA1, 0xF8):
        for low in range(0xA1, 0xFF):
            try:
                points.add(ord(bytes([high, low]).decode("gb2312")))
            except UnicodeDecodeError:
                pass
    return points


def main() -> None:
    collection = TTCollection(str(SOURCE))
    face = next(f for f in collection.fonts if f["name"].getDebugName(4) == "Noto Sans CJK SC Bold")
    points = gb2312()
    for start, end in RANGES:
        points.update(range(start, end + 1))
    with tempfile.TemporaryDirectory() as tmp:
        whole = Path(tmp) / "NotoSansCJKsc-Bold.otf"
        face.save(str(whole))
        unicodes = Path(tmp) / "unicodes.txt"
        unicodes.write_text("\n".join(f"U+{p:04X}" for p in sorted(points)))
        subprocess.run(
            ["pyftsubset", str(whole), f"--unicodes-file={unicodes}", f"--output-file={TARGET}",
             "--name-IDs=*", "--name-languages=*", "--notdef-outline"],
            check=True,
        )
    print(f"{TARGET.name}: {TARGET.stat().st_size} bytes, {len(points)} code points")


if __name__ == "__main__":
    main()
