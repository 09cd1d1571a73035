"""Quality gates over every synthesized template and definition: rules, lints, IAM review."""
