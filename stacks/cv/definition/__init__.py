"""The CV-safety state graphs: Ground Truth labeling and floor-tape preparation, one module each."""
