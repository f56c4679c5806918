"""What happens during the period: moves, attendances, incidents, status changes, absence."""
