"""Autograder for Module 1.4: Mathematics for Deep Learning.

Deliberately empty of imports: the sandboxed child imports
`autograder.sandbox.child`, and nothing trusted should come along with it.
"""
