using LiveEngine.Osc;

namespace LiveEngine.Frontend.Osc;

/// <summary>Something that takes the OSC messages no built-in address handles (a language's <c>osc()</c> handlers).</summary>
public interface IOscListener
{
    /// <summary>Whether it has handlers now (messages are not passed on otherwise).</summary>
    bool WantsOsc { get; }

    /// <summary>
    /// Handles <paramref name="message"/>, whose effects land at <paramref name="sample"/>. Must not block; any thread.
    /// The task ends when the handlers have run, with their error in words or null (a replay waits for it).
    /// </summary>
    Task<string?> OnOsc(OscMessage message, long sample);
}
