"""CV-safety task handlers: Ground Truth labeling jobs and floor-tape labeling preparation."""
