"""Agent workflow: plan, parallel tool calls behind circuit breakers, aggregate, human approval, publish."""
