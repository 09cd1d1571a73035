"""Task handlers of the agent workflow: plan, tool calls, aggregate, approval, publish (issue 20)."""
