"""The Python package on the XOR problem: simulate, check, plot (examples/python-api.sh runs it).

    pip install ./python        # or scripts/venv.sh, then .venv/bin/python examples/python_api.py
"""

import gradientflow as gf

run = gf.simulate(generator="xor", n=4, widths=[8], init_scale=0.3, clock="log-t", log_t_end=30, rtol=1e-6,
                  save_weights=True, out="runs/examples/python-api", force=True)
certificate = run.check(at="all")
last = run.trajectory.iloc[-1]
print(f"log t = {last['log_t']:g}: margin {last['margin']:.6f} (√2/4 = 0.353553), "
      f"{run.stats['rhs_evals']} RHS evaluations")
print(f"verdict {certificate.verdict}: eps_rel {certificate.eps_rel:.2e}, delta_rel {certificate.delta_rel:.2e}, "
      f"Λ-ratio {certificate.lambda_ratio:.6f}")
for path in gf.plot_run(run.path):
    print(path)
