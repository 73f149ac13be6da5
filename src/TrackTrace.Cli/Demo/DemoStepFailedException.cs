using System.Net;

namespace TrackTrace.Cli.Demo;

/// <summary>
/// The service answered something the demo did not plan for. The message names the step and
/// carries the answer's problem+json <c>type</c> and <c>detail</c>.
/// </summary>
public sealed class DemoStepFailedException(string message, HttpStatusCode? status = null, string? problemType = null, string? detail = null)
    : Exception(message)
{
    public HttpStatusCode? Status { get; } = status;
    public string? ProblemType { get; } = problemType;
    public string? Detail { get; } = detail;
}
