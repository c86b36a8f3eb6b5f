/*
 * Cortex-M7 start-up shared by the boards: the vector table, the reset handler (copy .data, zero
 * .bss, paint the stack for its high-water mark, enable the FPU) and default fault handlers.
 */
#include <stdint.h>
#include <string.h>

extern uint32_t _sidata, _sdata, _edata, _sbss, _ebss, _estack, _sstack;
extern int main(void);
void pw_systick_handler(void);
void pw_board_fault(void);

/* The pattern the stack is painted with; main measures how much of it was overwritten. */
#define PW_STACK_PAINT 0x5a5a5a5au

void pw_reset_handler(void) __attribute__((noreturn));

void pw_reset_handler(void)
{
    uint32_t *src = &_sidata;
    for (uint32_t *dst = &_sdata; dst < &_edata;) {
        *dst++ = *src++;
    }
    for (uint32_t *dst = &_sbss; dst < &_ebss;) {
        *dst++ = 0;
    }
    /* Paint the stack up to a little below the current stack pointer. */
    uint32_t *sp;
    __asm volatile("mov %0, sp" : "=r"(sp));
    for (uint32_t *p = &_sstack; p < sp - 16; p++) {
        *p = PW_STACK_PAINT;
    }
    /* CP10 and CP11 full access: the hard-float ABI may use the FPU anywhere. */
    *(volatile uint32_t *)0xE000ED88u |= 0xFu << 20;
    __asm volatile("dsb\n isb");
    main();
    for (;;) {
    }
}

/* Bytes of stack used so far: the painted words that are no longer the pattern. */
uint32_t pw_stack_high_water(void)
{
    const uint32_t *p = &_sstack;
    while (p < &_estack && *p == PW_STACK_PAINT) {
        p++;
    }
    return (uint32_t)((const uint8_t *)&_estack - (const uint8_t *)p);
}

static void pw_default_handler(void)
{
    pw_board_fault();
}

typedef void (*pw_vector)(void);

__attribute__((section(".isr_vector"), used)) const pw_vector pw_vectors[16] = {
    (pw_vector)(uintptr_t)&_estack,
    pw_reset_handler,
    pw_default_handler, /* NMI */
    pw_default_handler, /* HardFault */
    pw_default_handler, /* MemManage */
    pw_default_handler, /* BusFault */
    pw_default_handler, /* UsageFault */
    0, 0, 0, 0,
    pw_default_handler, /* SVCall */
    pw_default_handler, /* DebugMonitor */
    0,
    pw_default_handler, /* PendSV */
    pw_systick_handler,
};
