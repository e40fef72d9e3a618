# Which tables each figure reads. One line per figure; figure scripts read tables only.
figures/out/teacher_modes.png: results/teacher_modes.csv
figures/out/teacher_loss.png: results/teacher_loss.csv
figures/out/teacher_learning_times.png: results/teacher_modes.csv
