/*
 * What a Patchwise firmware needs from its board: start-up, a console, a counter and an exit.
 * Each board folder implements it with its own registers (no vendor HAL).
 */
#ifndef PW_BOARD_H
#define PW_BOARD_H

#include <stdint.h>

/* Clocks, console, counter. Called first thing in main. */
void pw_board_init(void);

/* One character to the console (USART1 on the STM32F746, UART0 on QEMU's mps2-an500). */
void pw_board_putc(char c);

/* A free-running 64-bit count: cycles (DWT) on the board, instructions (SysTick) on QEMU. */
uint64_t pw_board_counter(void);

/* Marks a point of the run (phases, and every step with PW_PROFILE): on QEMU, Patchwise's plugin
 * records its exact instruction count there; elsewhere it does nothing. */
void pw_board_mark(void);

/* "cycles" or "instructions": the JSON name of what pw_board_counter counts. */
extern const char pw_board_counter_name[];

/* Ends the run: semihosting exit with `status` on QEMU, a wfi loop on the board. */
void pw_board_exit(int status) __attribute__((noreturn));

/* Console output without printf (keeps newlib's printf out of the image). */
void pw_print(const char *s);
void pw_print_int(int64_t v);
void pw_print_hex8(uint32_t v);

#endif /* PW_BOARD_H */
