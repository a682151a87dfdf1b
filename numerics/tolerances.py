"""Named tolerances used by tests and checks, in one place.

Each is a relative or absolute bound with the reason it has that size.
"""

#: float64 kernel vs exact/mpmath evaluation of the same expression (a few ulps times cancellation).
KERNEL_RTOL_F64 = 1e-10
#: float32 kernel vs float64 kernel (float32 epsilon ~ 1.2e-7, times accumulation over N ~ 1e3).
KERNEL_RTOL_F32 = 2e-4
#: Model B Euler step with dt = tau vs the attention update (the issue's acceptance figure).
EULER_ATTENTION_ATOL = 1e-12
#: central finite differences with step h ~ 1e-6 in float64: truncation h^2 and rounding eps/h.
FD_RTOL = 1e-6
#: digits used by mpmath reference evaluations.
MPMATH_DPS = 50
