// SPDX-License-Identifier: MIT
// How many terminal columns UTF-8 text takes (a small wcwidth), and cutting text to fit.
// Pure: no locale, no terminal.
#pragma once

#include <string>
#include <string_view>

namespace flow::cli {

/// Columns a code point takes: 0 for combining marks, zero-width characters and
/// controls; 2 for East Asian wide and fullwidth characters and most emoji; else 1.
[[nodiscard]] int codepoint_width(char32_t c);

/// Columns `text` takes on a terminal. ANSI CSI sequences (ESC [ ... final byte) take
/// none; invalid UTF-8 bytes take one column each.
[[nodiscard]] int display_width(std::string_view text);

/// `text` with control characters (ESC, tabs, newlines...) replaced by spaces, so that
/// untrusted text cannot move the cursor or change colors.
[[nodiscard]] std::string printable(std::string_view text);

/// At most `columns` columns of `text`: cut at a character boundary (never inside a wide
/// character or before its combining marks) with "…" when cut. ANSI CSI sequences are
/// kept; a cut line ends with a reset ("\x1b[0m") if it held any. `pad` fills with
/// spaces up to `columns`.
[[nodiscard]] std::string fit(std::string_view text, int columns, bool pad = false);

}  // namespace flow::cli
