"""Simulators of the three source systems and a synthetic population (`florwork generate`)."""
