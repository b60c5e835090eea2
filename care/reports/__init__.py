"""Reports from clients: practice sessions, check-ins and the replies they get."""
