/*
 * QEMU's mps2-an500 (its Cortex-M7): CMSDK UART0 for the console, SysTick for the counter and
 * semihosting to exit. Under `-icount shift=0` an instruction takes 1 ns of virtual time and
 * SysTick runs from the board's 25 MHz clock: one tick is 40 instructions, so the counter is
 * instructions to within 40 per reading. Exact counts come from Patchwise's QEMU plugin, which
 * snapshots its instruction count each time pw_board_mark runs (DWT reads 0 in QEMU).
 */
#include "pw_board.h"

#define UART0_DATA (*(volatile uint32_t *)0x40004000u)
#define UART0_STATE (*(volatile uint32_t *)0x40004004u)
#define UART0_CTRL (*(volatile uint32_t *)0x40004008u)
#define UART0_BAUDDIV (*(volatile uint32_t *)0x40004010u)
#define SYST_CSR (*(volatile uint32_t *)0xE000E010u)
#define SYST_RVR (*(volatile uint32_t *)0xE000E014u)
#define SYST_CVR (*(volatile uint32_t *)0xE000E018u)

/* Virtual ns per instruction (icount shift 0) ÷ ns per 25 MHz SysTick tick. */
#define INSTRUCTIONS_PER_TICK 40u

const char pw_board_counter_name[] = "instructions";

/* SysTick is 24 bits: its interrupt counts the wraps. */
static volatile uint32_t wraps;

void pw_systick_handler(void)
{
    wraps++;
}

void pw_board_init(void)
{
    UART0_BAUDDIV = 16u;
    UART0_CTRL = 1u; /* TX enable */
    SYST_RVR = 0xFFFFFFu;
    SYST_CVR = 0u;
    SYST_CSR = 7u; /* processor clock, interrupt, enable */
    /* The value reads 0 until the first tick loads it: start counting from there. */
    while (SYST_CVR == 0u) {
    }
}

void pw_board_putc(char c)
{
    while (UART0_STATE & 1u) {
    }
    UART0_DATA = (uint32_t)(uint8_t)c;
}

uint64_t pw_board_counter(void)
{
    uint32_t before;
    uint32_t value;
    do {
        before = wraps;
        value = SYST_CVR;
    } while (before != wraps);
    return (((uint64_t)before << 24) + (0xFFFFFFu - value)) * INSTRUCTIONS_PER_TICK;
}

/* Patchwise's QEMU plugin records its exact instruction count whenever this runs. */
__attribute__((noinline)) void pw_board_mark(void)
{
    __asm volatile("" ::: "memory");
}

void pw_board_exit(int status)
{
    /* SYS_EXIT_EXTENDED: QEMU exits with `status`. */
    uint32_t block[2] = {0x20026u, (uint32_t)status};
    register uint32_t r0 __asm("r0") = 0x20u;
    register uint32_t r1 __asm("r1") = (uint32_t)block;
    __asm volatile("bkpt 0xab" : : "r"(r0), "r"(r1) : "memory");
    for (;;) {
    }
}

void pw_board_fault(void)
{
    pw_print("{\"error\":\"the firmware faulted\"}\n");
    pw_board_exit(5);
}
