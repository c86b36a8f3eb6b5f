/*
 * A QEMU TCG plugin (built with the host's cc, loaded with -plugin): counts every guest
 * instruction exactly, and records the count each time execution enters the address given as
 * `mark=0x…` (the firmware's pw_board_mark). At exit it writes one JSON line to the QEMU log:
 * {"instructions":N,"marks":[…]}. The declarations below are the parts of QEMU's plugin API
 * (version 1, QEMU 7.x) this plugin uses.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef uint64_t qemu_plugin_id_t;
typedef struct qemu_info_t qemu_info_t;
struct qemu_plugin_tb;
enum qemu_plugin_op { QEMU_PLUGIN_INLINE_ADD_U64 = 0 };
enum qemu_plugin_cb_flags { QEMU_PLUGIN_CB_NO_REGS = 0 };
typedef void (*tb_trans_cb)(qemu_plugin_id_t id, struct qemu_plugin_tb *tb);
typedef void (*vcpu_udata_cb)(unsigned int vcpu_index, void *userdata);
typedef void (*udata_cb)(qemu_plugin_id_t id, void *userdata);

void qemu_plugin_register_vcpu_tb_trans_cb(qemu_plugin_id_t id, tb_trans_cb cb);
size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb *tb);
uint64_t qemu_plugin_tb_vaddr(const struct qemu_plugin_tb *tb);
void qemu_plugin_register_vcpu_tb_exec_inline(struct qemu_plugin_tb *tb, enum qemu_plugin_op op, void *ptr, uint64_t imm);
void qemu_plugin_register_vcpu_tb_exec_cb(struct qemu_plugin_tb *tb, vcpu_udata_cb cb, enum qemu_plugin_cb_flags flags, void *userdata);
void qemu_plugin_register_atexit_cb(qemu_plugin_id_t id, udata_cb cb, void *userdata);
void qemu_plugin_outs(const char *string);

__attribute__((visibility("default"))) int qemu_plugin_version = 1;

static uint64_t count;
static uint64_t mark_address = UINT64_MAX;
static uint64_t *marks;
static size_t mark_count;
static size_t mark_capacity;

/* Runs when a translation block starting at the mark address executes: before its instructions. */
static void on_mark(unsigned int vcpu, void *userdata)
{
    (void)vcpu;
    (void)userdata;
    if (mark_count == mark_capacity) {
        mark_capacity = mark_capacity ? 2 * mark_capacity : 1024;
        marks = realloc(marks, mark_capacity * sizeof *marks);
        if (!marks) {
            abort();
        }
    }
    marks[mark_count++] = count;
}

static void on_translate(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
    (void)id;
    if (qemu_plugin_tb_vaddr(tb) == mark_address) {
        qemu_plugin_register_vcpu_tb_exec_cb(tb, on_mark, QEMU_PLUGIN_CB_NO_REGS, NULL);
    }
    qemu_plugin_register_vcpu_tb_exec_inline(tb, QEMU_PLUGIN_INLINE_ADD_U64, &count, qemu_plugin_tb_n_insns(tb));
}

static void on_qemu_exit(qemu_plugin_id_t id, void *userdata)
{
    (void)id;
    (void)userdata;
    char buffer[64];
    snprintf(buffer, sizeof buffer, "{\"instructions\":%llu,\"marks\":[", (unsigned long long)count);
    qemu_plugin_outs(buffer);
    for (size_t i = 0; i < mark_count; i++) {
        snprintf(buffer, sizeof buffer, "%s%llu", i ? "," : "", (unsigned long long)marks[i]);
        qemu_plugin_outs(buffer);
    }
    qemu_plugin_outs("]}\n");
}

__attribute__((visibility("default"))) int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info, int argc, char **argv)
{
    (void)info;
    for (int i = 0; i < argc; i++) {
        if (strncmp(argv[i], "mark=", 5) == 0) {
            /* Thumb function symbols carry bit 0; the translation block starts at the even address. */
            mark_address = strtoull(argv[i] + 5, NULL, 0) & ~1ull;
        }
    }
    qemu_plugin_register_vcpu_tb_trans_cb(id, on_translate);
    qemu_plugin_register_atexit_cb(id, on_qemu_exit, NULL);
    return 0;
}
