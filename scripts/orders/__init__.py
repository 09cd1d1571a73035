"""Operator tools for the order saga: submit orders, approve or reject them, seed test data."""
