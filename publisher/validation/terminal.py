"""Text bound for a terminal: what a file holds is shown, never obeyed."""

import re

# What a terminal would act on rather than show: C0 and C1 controls (ESC starts colour,
# hyperlink and cursor sequences; CR and LF can fake a verdict line), DEL, line and paragraph
# separators, and the bidirectional overrides that reorder what is shown.
_TERMINAL_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def terminal_safe(text: str, keep: str = "") -> str:
    """``text`` with every terminal control written out as an escape (``\\x1b``), so that a
    file's names, labels and values are shown, never obeyed; ``keep`` names controls to
    let through (the line breaks of a message)."""

    def escape(match: re.Match[str]) -> str:
        char = match.group()
        if char in keep:
            return char
        return f"\\x{ord(char):02x}" if ord(char) < 0x100 else f"\\u{ord(char):04x}"

    return _TERMINAL_CONTROLS.sub(escape, text)
