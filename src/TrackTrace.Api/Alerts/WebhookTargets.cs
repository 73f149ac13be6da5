using TrackTrace.Api.Hosting;
using TrackTrace.Domain.Alerts;

namespace TrackTrace.Api.Alerts;

/// <summary>
/// The configured webhooks are checked once, at start-up: a webhook that could never be trusted
/// (no secret, a guessable one, plain http across a network, a name used twice) stops the service
/// with what to fix, instead of leaking alerts or failing quietly for hours.
/// </summary>
public static class WebhookTargets
{
    public const int MinSecretLength = 16;

    public static void Validate(AlertOptions options)
    {
        var problems = new List<string>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < options.Webhooks.Count; i++)
        {
            var webhook = options.Webhooks[i];
            var where = $"Alerts:Webhooks:{i}" + (string.IsNullOrWhiteSpace(webhook.Name) ? "" : $" ('{webhook.Name}')");
            foreach (var problem in FindProblems(webhook, names))
            {
                problems.Add($"{where}: {problem}");
            }
        }

        if (problems.Count > 0)
        {
            throw new WebhookConfigurationException(string.Join(Environment.NewLine, problems));
        }
    }

    private static IEnumerable<string> FindProblems(WebhookOptions webhook, HashSet<string> names)
    {
        if (string.IsNullOrWhiteSpace(webhook.Name))
        {
            yield return "Name is required (it is part of every delivery id)";
        }
        else if (!names.Add(webhook.Name))
        {
            yield return "Name is used by another webhook; each needs its own (it is part of every delivery id)";
        }

        if (!Uri.TryCreate(webhook.Url, UriKind.Absolute, out var url) || (url.Scheme != Uri.UriSchemeHttps && url.Scheme != Uri.UriSchemeHttp))
        {
            yield return $"Url '{webhook.Url}' is not an absolute http(s) URL; give e.g. https://alerts.example.com/tracktrace";
        }
        else if (url.Scheme == Uri.UriSchemeHttp && !url.IsLoopback)
        {
            yield return $"Url '{webhook.Url}' is plain http to a host that is not loopback; alerts would cross the network unencrypted: use https";
        }

        if (string.IsNullOrEmpty(webhook.Secret))
        {
            yield return "Secret is empty; every delivery is signed with it: set a random secret shared with the receiver";
        }
        else if (webhook.Secret.Length < MinSecretLength)
        {
            yield return $"Secret has {webhook.Secret.Length} characters; at least {MinSecretLength} are required (e.g. openssl rand -hex 32)";
        }

        var unknown = webhook.Types.Where(t => !AlertTypes.All.Contains(t)).ToArray();
        if (unknown.Length > 0)
        {
            yield return $"Types names {string.Join(", ", unknown.Select(t => $"'{t}'"))}, not an alert type; use {string.Join(", ", AlertTypes.All)} (or none for all)";
        }
    }
}

/// <summary>A webhook in Alerts:Webhooks cannot be used; the message names each one and what is wrong.</summary>
public sealed class WebhookConfigurationException(string message) : Exception(message);
