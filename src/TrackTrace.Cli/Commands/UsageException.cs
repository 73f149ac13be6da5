namespace TrackTrace.Cli.Commands;

/// <summary>Thrown by a command body when the arguments make no sense together; exits with <see cref="ExitCodes.Usage"/>.</summary>
public sealed class UsageException(string message) : Exception(message);
