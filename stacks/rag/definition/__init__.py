"""The rag state graphs: the run (`run.py`), its Express child (`batch.py`), one document (`documents.py`)."""
