"""localrun's speed caches: overrides that make moto faster without changing what it answers."""
