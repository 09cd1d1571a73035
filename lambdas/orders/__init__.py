"""Task handlers of the order saga (one module per task, plus the payment adapter and stores)."""
