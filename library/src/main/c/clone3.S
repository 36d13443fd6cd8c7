/*
 * clone3.S: the clone3(2) trampoline of the child-side interpreter.
 *
 *   long sr_clone3(struct clone_args *args, size_t size,
 *                  int (*fn)(void *arg), void *arg);
 *
 * Modelled on glibc's sysdeps/unix/sysv/linux/x86_64/clone3.S. clone3 needs
 * assembly because the child comes back from the syscall on a new stack, with
 * nothing of the caller's frame to return to: it must call fn(arg) at once and
 * leave with SYS_exit if fn ever returns.
 *
 * In the parent it returns the child's pid, or -errno (raw, errno untouched).
 * Registers: rdi = args, rsi = size, rdx = fn, rcx = arg. The syscall
 * instruction clobbers rcx and r11, so arg is kept in r8 across it; rdx
 * (fn) survives it.
 */

#include <cet.h>	/* _CET_ENDBR and the IBT/SHSTK property note under -fcf-protection */

#define SYS_clone3	435
#define SYS_exit	60

	.text
	.globl	sr_clone3
	.hidden	sr_clone3
	.type	sr_clone3, @function
	.p2align 4
sr_clone3:
	.cfi_startproc
	_CET_ENDBR
	mov	%rcx, %r8		/* arg, kept where the syscall leaves it alone */
	mov	$SYS_clone3, %eax
	/* End the FDE here: in the child the caller's frame does not exist. */
	.cfi_endproc
	syscall

	test	%rax, %rax
	jz	.Lchild
	ret				/* parent: the pid, or -errno */

.Lchild:
	.cfi_startproc
	/* Outermost frame: no return address to unwind to. */
	.cfi_undefined rip
	xor	%ebp, %ebp		/* clear the frame pointer (psABI) */
	and	$-16, %rsp		/* align the new stack to 16 (psABI) */
	mov	%r8, %rdi		/* fn(arg) */
	call	*%rdx
	mov	%eax, %edi		/* fn returned: exit with its result */
	mov	$SYS_exit, %eax
	syscall
	hlt				/* not reached */
	.cfi_endproc
	.size	sr_clone3, . - sr_clone3

	.section .note.GNU-stack, "", @progbits
