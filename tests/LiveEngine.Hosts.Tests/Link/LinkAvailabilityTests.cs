using LiveEngine.Hosts.Link;

namespace LiveEngine.Tests.Hosts.Link;

public sealed class LinkAvailabilityTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("le-link-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void TheShimIsBuiltNextToTheAssembliesWhereLinksHeadersAreInstalled()
    {
        // CI installs ableton-link-dev (.ci/run), so the build must have compiled and copied the shim.
        Assert.True(File.Exists(LinkAvailability.Header), $"{LinkAvailability.Header} is missing: install Debian's ableton-link-dev (.ci/run does).");
        Assert.True(LinkAvailability.IsAvailable, LinkAvailability.Reason);
        Assert.Null(LinkAvailability.Reason);
    }

    [Fact]
    public void WithoutTheShimLinkIsOffAndTheReasonSaysWhatToInstallOrRebuild()
    {
        string? reason = LinkAvailability.Probe(_directory);

        Assert.NotNull(reason);
        Assert.StartsWith("Ableton Link is off: ", reason);
        Assert.Contains(LinkAvailability.LibraryName, reason);
        Assert.Contains(_directory, reason);

        // Headers present (CI): rebuild; absent: what to install, then rebuild.
        Assert.Contains(File.Exists(LinkAvailability.Header) ? "rebuild LiveEngine (dotnet build)" : "apt-get install ableton-link-dev g++", reason);
        Assert.Contains("docs/link.md", reason);
    }

    [Fact]
    public void AShimThatDoesNotLoadIsReportedAsSuch()
    {
        File.WriteAllText(Path.Combine(_directory, LinkAvailability.LibraryName), "not an ELF file");

        string? reason = LinkAvailability.Probe(_directory);

        Assert.NotNull(reason);
        Assert.Contains("does not load", reason);
    }

    [Theory]
    [InlineData(0.25, 4, 0.25)]
    [InlineData(3.75, 4, -0.25)]
    [InlineData(-0.25, 4, -0.25)]
    [InlineData(2.0, 4, -2.0)]
    [InlineData(9.5, 4, 1.5)]
    [InlineData(-7.0, 3, -1.0)]
    public void PhaseErrorsWrapIntoHalfAQuantumEitherSide(double beats, double quantum, double expected)
    {
        Assert.Equal(expected, LinkFollower.Wrap(beats, quantum), 12);
    }
}
