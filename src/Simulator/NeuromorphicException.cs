namespace Neuromorphic.Simulator;

/// <summary>A problem with the user's input (a file, an option, a parameter): the CLI prints its message as
/// one line and exits non-zero, without a stack trace. Messages name the place and what was expected. The message is
/// kept on one line, with control characters escaped (<see cref="Text.Escape"/>), whatever a file put into it.</summary>
public sealed class NeuromorphicException(string message, Exception? inner = null) : Exception(Text.Escape(message, Text.MaxLine), inner);
