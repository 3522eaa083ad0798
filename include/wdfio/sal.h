/* sal.h — Microsoft's source annotations (SAL 2 and the driver __drv_ ones)
 * as empty macros: they only guide Windows' static analysis, and a driver
 * that compiles on Windows must not stop here on one of their names. Each
 * is defined only if not defined already, so a second SAL header is harmless.
 * The names are reserved identifiers; no C or C++ library on Linux uses them. */
#ifndef WDFIO_SAL_H
#define WDFIO_SAL_H

/* Parameters. */
#ifndef _In_
#define _In_
#define _In_opt_
#define _In_z_
#define _In_opt_z_
#define _In_reads_(s)
#define _In_reads_opt_(s)
#define _In_reads_bytes_(s)
#define _In_reads_bytes_opt_(s)
#define _In_reads_z_(s)
#define _In_reads_or_z_(s)
#define _In_range_(l, h)
#define _In_count_(s)
#define _In_bytecount_(s)
#define _Out_
#define _Out_opt_
#define _Out_z_
#define _Out_writes_(s)
#define _Out_writes_opt_(s)
#define _Out_writes_bytes_(s)
#define _Out_writes_bytes_opt_(s)
#define _Out_writes_z_(s)
#define _Out_writes_all_(s)
#define _Out_writes_bytes_all_(s)
#define _Out_writes_to_(s, c)
#define _Out_writes_bytes_to_(s, c)
#define _Out_writes_bytes_to_opt_(s, c)
#define _Out_range_(l, h)
#define _Out_cap_(s)
#define _Out_bytecap_(s)
#define _Inout_
#define _Inout_opt_
#define _Inout_z_
#define _Inout_updates_(s)
#define _Inout_updates_opt_(s)
#define _Inout_updates_bytes_(s)
#define _Inout_updates_bytes_opt_(s)
#define _Inout_updates_z_(s)
#define _Outptr_
#define _Outptr_opt_
#define _Outptr_result_maybenull_
#define _Outptr_opt_result_maybenull_
#define _Outptr_result_buffer_(s)
#define _Outptr_result_bytebuffer_(s)
#define _Outptr_result_nullonfailure_
#define _Outptr_opt_result_nullonfailure_
#define _Deref_out_
#define _Deref_out_opt_
#define _Deref_out_range_(l, h)
#define _Reserved_
#define _Pre_notnull_
#define _Pre_maybenull_
#define _Pre_null_
#define _Pre_valid_
#define _Pre_z_
#define _Pre_satisfies_(e)
#define _Post_valid_
#define _Post_invalid_
#define _Post_z_
#define _Post_ptr_invalid_
#define _Post_writable_byte_size_(s)
#define _Post_readable_byte_size_(s)
#define _Post_satisfies_(e)
#define _Notnull_
#define _Maybenull_
#define _Null_terminated_
#define _NullNull_terminated_
#define _Printf_format_string_
#define _Printf_format_string_params_(n)
#define _Frees_ptr_
#define _Frees_ptr_opt_
#define _Const_
#define _Literal_
#define _Notliteral_
#define _Readable_bytes_(s)
#define _Writable_bytes_(s)
#define _Readable_elements_(s)
#define _Writable_elements_(s)
#define _Points_to_data_
#define _Strict_type_match_
#define _Interlocked_operand_
#define _Pre_defensive_
#define _Post_defensive_
#define _Unchanged_(e)
#endif

/* Return values, success and structure fields. */
#ifndef _Must_inspect_result_
#define _Must_inspect_result_
#define _Check_return_
#define _Ret_maybenull_
#define _Ret_notnull_
#define _Ret_z_
#define _Ret_range_(l, h)
#define _Ret_writes_(s)
#define _Ret_writes_bytes_(s)
#define _Ret_writes_maybenull_(s)
#define _Ret_writes_bytes_maybenull_(s)
#define _Result_nullonfailure_
#define _Result_zeroonfailure_
#define _Success_(e)
#define _Return_type_success_(e)
#define _Always_(a)
#define _On_failure_(a)
#define _When_(c, a)
#define _Field_size_(s)
#define _Field_size_opt_(s)
#define _Field_size_bytes_(s)
#define _Field_size_bytes_opt_(s)
#define _Field_size_part_(s, c)
#define _Field_size_bytes_part_(s, c)
#define _Field_size_full_(s)
#define _Field_range_(l, h)
#define _Field_z_
#define _Struct_size_bytes_(s)
#define _Use_decl_annotations_
#define _Analysis_assume_(e)
#define _Analysis_assume_nullterminated_(p)
#define _Analysis_noreturn_
#define _Analysis_mode_(m)
#define _Function_class_(c)
#define _Enum_is_bitflag_
#define _Check_return_opt_
#define _Inexpressible_(e)
#define _Satisfies_(e)
#define _Pre_
#define _Post_
#define _Deref_pre_
#define _Deref_post_
#endif

/* Locks and IRQL. */
#ifndef _IRQL_requires_max_
#define _IRQL_requires_max_(l)
#define _IRQL_requires_min_(l)
#define _IRQL_requires_(l)
#define _IRQL_requires_same_
#define _IRQL_raises_(l)
#define _IRQL_saves_
#define _IRQL_restores_
#define _IRQL_saves_global_(k, p)
#define _IRQL_restores_global_(k, p)
#define _IRQL_always_function_max_(l)
#define _IRQL_always_function_min_(l)
#define _IRQL_is_cancel_
#define _IRQL_uses_cancel_
#define _Kernel_requires_resource_held_(r)
#define _Kernel_requires_resource_not_held_(r)
#define _Kernel_acquires_resource_(r)
#define _Kernel_releases_resource_(r)
#define _Kernel_clear_do_init_(v)
#define _Kernel_float_saved_
#define _Kernel_float_restored_
#define _Kernel_float_used_
#define _Requires_lock_held_(l)
#define _Requires_lock_not_held_(l)
#define _Requires_exclusive_lock_held_(l)
#define _Requires_shared_lock_held_(l)
#define _Requires_no_locks_held_
#define _Acquires_lock_(l)
#define _Acquires_exclusive_lock_(l)
#define _Acquires_shared_lock_(l)
#define _Releases_lock_(l)
#define _Releases_exclusive_lock_(l)
#define _Releases_shared_lock_(l)
#define _Guarded_by_(l)
#define _Interlocked_
#define _Write_guarded_by_(l)
#define _Create_lock_level_(l)
#define _Has_lock_kind_(k)
#define _Has_lock_level_(l)
#define _Lock_level_order_(a, b)
#define _No_competing_thread_
#define _Dispatch_type_(t)
#endif

/* The older driver annotations. */
#ifndef __drv_aliasesMem
#define __drv_aliasesMem
#define __drv_allocatesMem(k)
#define __drv_freesMem(k)
#define __drv_arg(e, a)
#define __drv_at(e, a)
#define __drv_when(c, a)
#define __drv_maxIRQL(l)
#define __drv_minIRQL(l)
#define __drv_requiresIRQL(l)
#define __drv_setsIRQL(l)
#define __drv_raisesIRQL(l)
#define __drv_savesIRQL
#define __drv_restoresIRQL
#define __drv_savesIRQLGlobal(k, p)
#define __drv_restoresIRQLGlobal(k, p)
#define __drv_sameIRQL
#define __drv_useCancelIRQL
#define __drv_dispatchType(t)
#define __drv_dispatchType_other
#define __drv_functionClass(c)
#define __drv_inTry
#define __drv_notInTry
#define __drv_mustHold(r)
#define __drv_mustHoldCriticalRegion
#define __drv_neverHold(r)
#define __drv_acquiresResource(r)
#define __drv_releasesResource(r)
#define __drv_acquiresCriticalRegion
#define __drv_releasesCriticalRegion
#define __drv_preferredFunction(f, r)
#define __drv_reportError(r)
#define __drv_strictType(t, m)
#define __drv_strictTypeMatch(m)
#define __drv_valueIs(l)
#define __drv_constant
#define __drv_nonConstant
#define __drv_isObjectPointer
#define __drv_out_deref(a)
#define __drv_in(a)
#define __drv_out(a)
#define __drv_formatString(k)
#define __drv_completionType(t)
#define __drv_interlocked
#endif

#endif /* WDFIO_SAL_H */
