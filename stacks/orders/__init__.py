"""Order saga: validate, reserve, approve, charge, ship and notify, with compensations in reverse."""
