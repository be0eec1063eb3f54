#!/usr/bin/env python3
"""Draw the addon's icon: a "</>" on a rounded square.

python3 .dev/icon.py   # writes endpoint/static/description/icon.png
"""

from pathlib import Path

from PIL import Image, ImageDraw

OUTPUT = Path(__file__).resolve().parent.parent / "endpoint/static/description/icon.png"
SIZE = 128
SCALE = 4  # draw large, then shrink: smooth edges without a font
BACKGROUND = (44, 122, 123, 255)
INK = (255, 255, 255, 255)


def main():
    big = SIZE * SCALE
    image = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((0, 0, big - 1, big - 1), radius=24 * SCALE, fill=BACKGROUND)

    def stroke(*points):
        draw.line(
            [(x * SCALE, y * SCALE) for x, y in points],
            fill=INK,
            width=10 * SCALE,
            joint="curve",
        )
        for x, y in (points[0], points[-1]):
            r = 5 * SCALE
            draw.ellipse(
                (x * SCALE - r, y * SCALE - r, x * SCALE + r, y * SCALE + r), fill=INK
            )

    stroke((46, 38), (22, 64), (46, 90))  # <
    stroke((82, 38), (106, 64), (82, 90))  # >
    stroke((72, 30), (56, 98))  # /
    image.resize((SIZE, SIZE), Image.LANCZOS).save(OUTPUT, optimize=True)
    print(f"wrote {OUTPUT}")


if __name__ == "__main__":
    main()
