#!/usr/bin/env python3
"""Writes crates/customer-auth-core/src/password/blowfish_constants.rs.

Blowfish starts from the hexadecimal digits of pi's fractional part: 18 words for its P-array,
then 4 x 256 for its S-boxes. They are computed here (Machin's formula on integers) rather than
copied from anywhere. Run from the repository root: python3 scripts/blowfish_constants.py
"""

WORDS = 18 + 4 * 256


def arctan_inv(x, one):
    total = term = one // x
    x2, n, sign = x * x, 3, -1
    while term:
        term //= x2
        total += sign * (term // n)
        n, sign = n + 2, -sign
    return total


def pi_words():
    guard = 64
    one = 1 << (32 * WORDS + guard)
    pi = 4 * (4 * arctan_inv(5, one) - arctan_inv(239, one))
    fraction = (pi - 3 * one) >> guard
    return [(fraction >> (32 * (WORDS - 1 - i))) & 0xFFFFFFFF for i in range(WORDS)]


def rows(words, indent):
    return "\n".join(
        indent + ", ".join(f"0x{w:08x}" for w in words[i : i + 9]) + ","
        for i in range(0, len(words), 9)
    )


def main():
    words = pi_words()
    # Blowfish's published first and last words, as a check on the arithmetic.
    assert words[0] == 0x243F6A88 and words[17] == 0x8979FB1B
    assert words[18] == 0xD1310BA6 and words[-1] == 0x3AC372E6
    p, s = words[:18], words[18:]
    boxes = "\n".join(f"    [\n{rows(s[256 * i : 256 * (i + 1)], '        ')}\n    ]," for i in range(4))
    text = f"""//! Blowfish's initial state: the hexadecimal digits of pi after the point, 18 words for the
//! P-array and then 4 x 256 for the S-boxes. Written by `scripts/blowfish_constants.py`, which
//! computes them; do not edit by hand.

/// The P-array before any key is mixed in.
pub(crate) const P: [u32; 18] = [
{rows(p, '    ')}
];

/// The four S-boxes before any key is mixed in.
pub(crate) const S: [[u32; 256]; 4] = [
{boxes}
];
"""
    with open("crates/customer-auth-core/src/password/blowfish_constants.rs", "w") as out:
        out.write(text)


if __name__ == "__main__":
    main()
