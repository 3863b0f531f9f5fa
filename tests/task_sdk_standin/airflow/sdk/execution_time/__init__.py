"""TEST DOUBLE: namespace of the Airflow stand-in."""
