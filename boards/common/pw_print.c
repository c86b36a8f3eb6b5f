/* Minimal console printing for the JSON line: strings, decimal integers, 8 hex digits. */
#include "pw_board.h"

void pw_print(const char *s)
{
    while (*s) {
        pw_board_putc(*s++);
    }
}

void pw_print_int(int64_t v)
{
    char digits[24];
    int n = 0;
    uint64_t u = v < 0 ? (uint64_t)(-(v + 1)) + 1u : (uint64_t)v;
    if (v < 0) {
        pw_board_putc('-');
    }
    do {
        digits[n++] = (char)('0' + (int)(u % 10u));
        u /= 10u;
    } while (u != 0u);
    while (n > 0) {
        pw_board_putc(digits[--n]);
    }
}

void pw_print_hex8(uint32_t v)
{
    static const char hex[] = "0123456789abcdef";
    for (int shift = 28; shift >= 0; shift -= 4) {
        pw_board_putc(hex[(v >> shift) & 0xfu]);
    }
}
