# Linear-teacher experiments (independent of DATA).
TABLES += results/teacher_modes.csv results/teacher_loss.csv results/seed_notebook.csv
FIGURES += figures/out/teacher_modes.png figures/out/teacher_loss.png \
           figures/out/teacher_learning_times.png figures/out/seed_notebook.png

figures/out/teacher_modes.png: results/teacher_modes.csv
figures/out/teacher_loss.png: results/teacher_loss.csv
figures/out/teacher_learning_times.png: results/teacher_modes.csv
figures/out/seed_notebook.png: results/seed_notebook.csv
