#ifndef GRADIENTFLOW_CGSL_SHIM_H
#define GRADIENTFLOW_CGSL_SHIM_H

#include <gsl/gsl_errno.h>
#include <gsl/gsl_version.h>
#include <gsl/gsl_odeiv2.h>
#include <gsl/gsl_cblas.h>
#include <gsl/gsl_math.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_vector.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_blas.h>
#include <stdint.h>

/* GSL's stepper types are mutable C globals, which Swift 6 rejects as not concurrency-safe.
   These getters return the (never mutated) pointers. */
static inline const gsl_odeiv2_step_type *gf_step_rk2(void) { return gsl_odeiv2_step_rk2; }
static inline const gsl_odeiv2_step_type *gf_step_rk4(void) { return gsl_odeiv2_step_rk4; }
static inline const gsl_odeiv2_step_type *gf_step_rkf45(void) { return gsl_odeiv2_step_rkf45; }
static inline const gsl_odeiv2_step_type *gf_step_rkck(void) { return gsl_odeiv2_step_rkck; }
static inline const gsl_odeiv2_step_type *gf_step_rk8pd(void) { return gsl_odeiv2_step_rk8pd; }
static inline const gsl_odeiv2_step_type *gf_step_rk1imp(void) { return gsl_odeiv2_step_rk1imp; }
static inline const gsl_odeiv2_step_type *gf_step_rk2imp(void) { return gsl_odeiv2_step_rk2imp; }
static inline const gsl_odeiv2_step_type *gf_step_rk4imp(void) { return gsl_odeiv2_step_rk4imp; }
static inline const gsl_odeiv2_step_type *gf_step_bsimp(void) { return gsl_odeiv2_step_bsimp; }
static inline const gsl_odeiv2_step_type *gf_step_msadams(void) { return gsl_odeiv2_step_msadams; }
static inline const gsl_odeiv2_step_type *gf_step_msbdf(void) { return gsl_odeiv2_step_msbdf; }

static inline const char *gf_gsl_version(void) { return gsl_version; }

/* OpenBLAS entry points (declared here; the library is linked by the module map). */
void openblas_set_num_threads(int num_threads);
int openblas_get_num_threads(void);
char *openblas_get_config(void);
/* The name of the kernel set a DYNAMIC_ARCH OpenBLAS chose for this CPU ("Haswell", "SkylakeX", "Prescott", ...). */
char *openblas_get_corename(void);
/* Joins the worker threads OpenBLAS's pthreads build started in its library constructor (exported by
   OpenBLAS for its fork handler; the next call split among threads starts them again). */
void blas_thread_shutdown_(void);

/* The address of `cblas_dgemm` as this module's code binds it (for the "is it OpenBLAS?" test). */
static inline const void *gf_cblas_dgemm_address(void) { return (const void *)&cblas_dgemm; }

#endif
