/*
 * STM32F746G-Discovery: 216 MHz from the 25 MHz HSE, USART1 at 115200 8N1 on PA9/PB7 (the ST-LINK
 * virtual COM port), and the DWT cycle counter. Registers from the reference manual (RM0385).
 */
#include "pw_board.h"

#define REG(addr) (*(volatile uint32_t *)(addr))

#define RCC_CR REG(0x40023800u)
#define RCC_PLLCFGR REG(0x40023804u)
#define RCC_CFGR REG(0x40023808u)
#define RCC_AHB1ENR REG(0x40023830u)
#define RCC_APB1ENR REG(0x40023840u)
#define RCC_APB2ENR REG(0x40023844u)
#define PWR_CR1 REG(0x40007000u)
#define PWR_CSR1 REG(0x40007004u)
#define FLASH_ACR REG(0x40023C00u)
#define GPIOA_MODER REG(0x40020000u)
#define GPIOA_AFRH REG(0x40020024u)
#define GPIOB_MODER REG(0x40020400u)
#define GPIOB_AFRL REG(0x40020420u)
#define USART1_CR1 REG(0x40011000u)
#define USART1_BRR REG(0x4001100Cu)
#define USART1_ISR REG(0x4001101Cu)
#define USART1_TDR REG(0x40011028u)
#define DEMCR REG(0xE000EDFCu)
#define DWT_CTRL REG(0xE0001000u)
#define DWT_CYCCNT REG(0xE0001004u)
#define DWT_LAR REG(0xE0001FB0u)

const char pw_board_counter_name[] = "cycles";

void pw_systick_handler(void)
{
}

/* HSE 25 MHz → PLL M=25 N=432 P=2 → 216 MHz, with over-drive and 7 flash wait states. */
static void clock_216mhz(void)
{
    RCC_CR |= 1u << 16; /* HSEON */
    while (!(RCC_CR & (1u << 17))) {
    }
    RCC_APB1ENR |= 1u << 28; /* PWR */
    PWR_CR1 |= 3u << 14;     /* voltage scale 1 */
    RCC_PLLCFGR = 25u | (432u << 6) | (0u << 16) | (1u << 22) | (9u << 24); /* M, N, P=2, HSE, Q=9 */
    RCC_CR |= 1u << 24; /* PLLON */
    while (!(RCC_CR & (1u << 25))) {
    }
    PWR_CR1 |= 1u << 16; /* over-drive on */
    while (!(PWR_CSR1 & (1u << 16))) {
    }
    PWR_CR1 |= 1u << 17; /* over-drive switch */
    while (!(PWR_CSR1 & (1u << 17))) {
    }
    FLASH_ACR = 7u | (1u << 8) | (1u << 9); /* 7 wait states, prefetch, ART accelerator */
    RCC_CFGR = (RCC_CFGR & ~0xFCF3u) | (5u << 10) | (4u << 13) | 2u; /* APB1 /4, APB2 /2, SYSCLK = PLL */
    while ((RCC_CFGR & (3u << 2)) != (2u << 2)) {
    }
}

/* USART1 on APB2 (108 MHz): PA9 TX and PB7 RX in alternate function 7. */
static void usart1_115200(void)
{
    RCC_AHB1ENR |= 3u;      /* GPIOA, GPIOB */
    RCC_APB2ENR |= 1u << 4; /* USART1 */
    GPIOA_MODER = (GPIOA_MODER & ~(3u << 18)) | (2u << 18);
    GPIOA_AFRH = (GPIOA_AFRH & ~(0xFu << 4)) | (7u << 4);
    GPIOB_MODER = (GPIOB_MODER & ~(3u << 14)) | (2u << 14);
    GPIOB_AFRL = (GPIOB_AFRL & ~(0xFu << 28)) | (7u << 28);
    USART1_BRR = (108000000u + 115200u / 2u) / 115200u;
    USART1_CR1 = (1u << 3) | (1u << 2) | 1u; /* TE, RE, UE */
}

void pw_board_init(void)
{
    clock_216mhz();
    usart1_115200();
    DEMCR |= 1u << 24;       /* TRCENA */
    DWT_LAR = 0xC5ACCE55u;   /* the M7's DWT is locked until this key is written */
    DWT_CYCCNT = 0u;
    DWT_CTRL |= 1u;
}

void pw_board_putc(char c)
{
    while (!(USART1_ISR & (1u << 7))) { /* TXE */
    }
    USART1_TDR = (uint32_t)(uint8_t)c;
}

/* CYCCNT wraps every 20 s at 216 MHz; reading it at least that often extends it to 64 bits. */
uint64_t pw_board_counter(void)
{
    static uint32_t last;
    static uint32_t high;
    const uint32_t now = DWT_CYCCNT;
    if (now < last) {
        high++;
    }
    last = now;
    return ((uint64_t)high << 32) | now;
}

/* A no-op on the board: the QEMU plugin's hook for exact instruction counts. */
__attribute__((noinline)) void pw_board_mark(void)
{
    __asm volatile("" ::: "memory");
}

void pw_board_exit(int status)
{
    /* No semihosting without a debugger (it would fault): wait for the next reset. */
    (void)status;
    for (;;) {
        __asm volatile("wfi");
    }
}

void pw_board_fault(void)
{
    pw_print("{\"error\":\"the firmware faulted\"}\n");
    pw_board_exit(5);
}
