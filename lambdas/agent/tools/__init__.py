"""The agent's tools: their registry (schemas, descriptions) and one handler module per tool."""
