# Learning from prior knowledge: retraining a learned network (Braun et al. 2022; independent of DATA).
TABLES += results/prior_knowledge.csv
FIGURES += figures/out/prior_knowledge.png

figures/out/prior_knowledge.png: results/prior_knowledge.csv
