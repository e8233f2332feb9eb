"""Jira Cloud: config, REST client (httpx + pydantic), webhook parsing."""
