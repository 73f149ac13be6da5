// The integration tests drive Debian's PostgreSQL and RabbitMQ (runuser, unix sockets, file modes):
// they run on Linux only, which lets them use the Unix file-mode APIs without a Windows branch.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
