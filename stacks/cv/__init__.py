"""CV-safety workflows: scheduled Ground Truth labeling jobs and hourly floor-tape labeling preparation."""
