// bitmap_font.h — a tiny 5×8 bitmap font for labelling pictures without a font library.
//
// Every printable ASCII character (32–126) is a 5-pixel-wide, 8-pixel-tall glyph:
// rows 0–6 hold capitals and digits, row 7 holds descenders (g, j, p, q, y, _).
// Characters advance 6 pixels (one blank column between letters) and lines 9 pixels,
// all multiplied by `scale`; scale 2 reads well next to 28×28 images drawn at scale 3.
// Anything outside printable ASCII (a UTF-8 "→", a tab) is drawn as one '?'.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace aet {

inline constexpr int kGlyphWidth = 5;
inline constexpr int kGlyphHeight = 8;
inline constexpr int kGlyphAdvance = 6;  // glyph plus one blank column
inline constexpr int kLineAdvance = 9;   // glyph plus one blank row

// The size in pixels of `text` drawn at `scale`: the widest line (without the trailing
// blank column) by the number of lines ('\n' starts a new line). Empty text is 0×0.
int text_width(const std::string& text, int scale);
int text_height(const std::string& text, int scale);

// Draws `text` with its top-left corner at (x, y) into an image of img_w × img_h pixels,
// setting every channel of each lit pixel to `value`. The buffer is row-major, either
// grayscale (img_w·img_h bytes) or interleaved RGB (3·img_w·img_h bytes); which one is
// read from its size. Pixels that fall outside the image are clipped, so a label may run
// off the edge without harm. Throws std::invalid_argument if the buffer size matches
// neither layout or scale < 1.
void draw_text(std::vector<uint8_t>& rgb_or_gray, int img_w, int img_h, int x, int y, const std::string& text,
               int scale, uint8_t value);

}  // namespace aet
