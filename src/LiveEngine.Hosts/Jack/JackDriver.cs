using System.Runtime.InteropServices;
using LiveEngine.Hosts.Drivers;
using LiveEngine.Live;

namespace LiveEngine.Hosts.Jack;

/// <summary>
/// Plays a <see cref="LiveRenderer"/> through a JACK server: one output port per channel, auto-connected to the
/// physical playback ports, the renderer driven from JACK's process callback. The callback allocates nothing
/// after the thread's warm-up, takes no lock, and lets no exception escape. JACK's own error and info printing
/// is silenced so that nothing scribbles over a REPL.
/// </summary>
public sealed unsafe class JackDriver : IAudioDriver
{
    private readonly LiveRenderer _renderer;
    private readonly nint[] _ports;
    private readonly float*[] _buffers;
    private GCHandle _self;
    private nint _client;
    private volatile bool _shutdown;
    private volatile bool _sampleRateChanged;
    private int _bufferFrames;
    private long _callbackErrors;

    // Audio thread only: when the previous callback started (Stopwatch ticks; 0 before the first).
    private long _previousStartTicks;

    // The process callback's kernel thread id, written once by that thread (for CPU isolation); 0 until its first callback.
    private int _audioThreadId;

    private JackDriver(LiveRenderer renderer, nint client, nint[] ports, BlockTimeStats stats)
    {
        _renderer = renderer;
        _client = client;
        _ports = ports;
        _buffers = new float*[ports.Length];
        Stats = stats;
    }

    public string Name { get; private init; } = "jack";

    /// <summary>Whether JACK runs the process callback with real-time priority (the server's -R, the default; not with --no-realtime).</summary>
    public bool IsRealTime { get; private init; }

    public int SampleRate { get; private init; }

    /// <summary>The server's current buffer size; it may change while playing (blocks larger than the session's maximum are rendered in several).</summary>
    public int BufferFrames => Volatile.Read(ref _bufferFrames);

    /// <summary>True once the server's sample rate moved away from the session's: the music plays at the wrong speed, so a host should stop and say so.</summary>
    public bool SampleRateChanged => _sampleRateChanged;

    public BlockTimeStats Stats { get; }

    /// <summary>True once the server has shut the client down (it stopped, or kicked the client out).</summary>
    public bool IsShutDown => _shutdown;

    /// <summary>Where JACK's process thread runs: on the audio CPUs of an <see cref="RealTime.AudioCpuIsolation"/> (or why not); not granted without one.</summary>
    public RealTime.RealTimeResult Placement { get; private set; } = new(false, "any CPU");

    /// <summary>Exceptions caught in the process callback (a bug: they are counted, never thrown into native code).</summary>
    public long CallbackErrors => Interlocked.Read(ref _callbackErrors);

    /// <summary>
    /// Whether a JACK server answers (without starting one): what <c>--driver auto</c> asks. False also when
    /// libjack is not installed.
    /// </summary>
    public static bool IsServerRunning(string? serverName = null)
    {
        try
        {
            Silence();
            nint client = JackNative.jack_client_open("liveengine-probe", JackNative.NoStartServer | (serverName is null ? 0 : JackNative.ServerName), out _, serverName);
            if (client == 0)
            {
                return false;
            }

            JackNative.jack_client_close(client);
            return true;
        }
        catch (DllNotFoundException)
        {
            return false;
        }
    }

    /// <summary>
    /// Connects to a running server and starts playing <paramref name="renderer"/>. The server's sample rate must
    /// equal the session's, and its buffer size must not exceed the session's maximum block (larger buffers are
    /// rendered in several blocks).
    /// </summary>
    /// <param name="renderer">The session's audio side.</param>
    /// <param name="sessionSampleRate">The session's sample rate, which the server's must equal.</param>
    /// <param name="clientName">The JACK client's name (its ports are <c>NAME:out_1</c>, …).</param>
    /// <param name="serverName">The server's name; null: the default server.</param>
    /// <param name="connectToPlayback">Connect the outputs to the physical playback ports.</param>
    /// <param name="stats">Where the measurements go (shared by drivers that replace one another); null: a new one.</param>
    /// <param name="isolation">Move JACK's process thread onto these audio CPUs once it has run (null: leave it where JACK put it).</param>
    public static JackDriver Start(LiveRenderer renderer, int sessionSampleRate, string clientName = "liveengine", string? serverName = null, bool connectToPlayback = true, BlockTimeStats? stats = null, RealTime.AudioCpuIsolation? isolation = null)
    {
        ArgumentNullException.ThrowIfNull(renderer);
        Silence();
        nint client = JackNative.jack_client_open(clientName, JackNative.NoStartServer | (serverName is null ? 0 : JackNative.ServerName), out int status, serverName);
        if (client == 0)
        {
            throw new InvalidOperationException($"No JACK server{(serverName is null ? "" : $" named '{serverName}'")} to connect to (status 0x{status:x}). Start one, e.g. `jackd -d dummy -r 48000 -p 128`, or use another driver.");
        }

        int sampleRate = (int)JackNative.jack_get_sample_rate(client);
        if (sampleRate != sessionSampleRate)
        {
            JackNative.jack_client_close(client);
            throw new InvalidOperationException($"The JACK server runs at {sampleRate} Hz but the session at {sessionSampleRate} Hz.");
        }

        var ports = new nint[renderer.OutputChannels];
        for (int c = 0; c < ports.Length; c++)
        {
            ports[c] = JackNative.jack_port_register(client, $"out_{c + 1}", JackNative.DefaultAudioType, JackNative.PortIsOutput, 0);
            if (ports[c] == 0)
            {
                JackNative.jack_client_close(client);
                throw new InvalidOperationException($"JACK refused to register output port out_{c + 1}.");
            }
        }

        stats ??= new BlockTimeStats();
        stats.SampleRate = sampleRate;
        stats.AttachThread();
        var driver = new JackDriver(renderer, client, ports, stats)
        {
            SampleRate = sampleRate,
            Name = serverName is null ? "jack" : $"jack (server {serverName})",
            IsRealTime = JackNative.jack_is_realtime(client) != 0,
            _bufferFrames = (int)JackNative.jack_get_buffer_size(client),
        };
        // Compile the render path now, not in the first real-time callbacks.
        renderer.WarmUp();
        driver._self = GCHandle.Alloc(driver);
        nint self = GCHandle.ToIntPtr(driver._self);
        JackNative.jack_set_process_callback(client, &OnProcess, self);
        JackNative.jack_set_xrun_callback(client, &OnXrun, self);
        JackNative.jack_set_buffer_size_callback(client, &OnBufferSize, self);
        JackNative.jack_set_sample_rate_callback(client, &OnSampleRate, self);
        JackNative.jack_on_shutdown(client, &OnShutdown, self);
        if (JackNative.jack_activate(client) != 0)
        {
            driver.Dispose();
            throw new InvalidOperationException("JACK refused to activate the client.");
        }

        if (connectToPlayback)
        {
            driver.ConnectToPlayback();
        }

        if (isolation is not null)
        {
            driver.Placement = driver.IsolateProcessThread(isolation);
        }

        return driver;
    }

    /// <summary>
    /// Freewheel: the server runs the process callback as fast as it can instead of in real time (for renders and
    /// fast tests through the real driver). Control thread.
    /// </summary>
    public void SetFreewheel(bool on)
    {
        if (JackNative.jack_set_freewheel(_client, on ? 1 : 0) != 0)
        {
            throw new InvalidOperationException($"JACK refused to turn freewheel {(on ? "on" : "off")}.");
        }
    }

    public void Dispose()
    {
        if (_client != 0)
        {
            JackNative.jack_deactivate(_client);
            JackNative.jack_client_close(_client);
            _client = 0;
        }

        if (_self.IsAllocated)
        {
            _self.Free();
        }
    }

    /// <summary>
    /// JACK made the process thread (inheriting the mask of the thread that activated the client): once its first
    /// callback has said which thread it is, it is moved onto the audio CPUs from here, not from inside a callback.
    /// </summary>
    private RealTime.RealTimeResult IsolateProcessThread(RealTime.AudioCpuIsolation isolation)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (Volatile.Read(ref _audioThreadId) == 0)
        {
            if (clock.Elapsed > TimeSpan.FromSeconds(2) || _shutdown)
            {
                return new RealTime.RealTimeResult(false, "not isolated (JACK ran no process callback within 2 s)");
            }

            Thread.Sleep(1);
        }

        return isolation.TryAddThread(_audioThreadId);
    }

    private void ConnectToPlayback()
    {
        nint list = JackNative.jack_get_ports(_client, null, JackNative.DefaultAudioType, JackNative.PortIsInput | JackNative.PortIsPhysical);
        if (list == 0)
        {
            return;
        }

        try
        {
            var names = (nint*)list;
            for (int c = 0; c < _ports.Length && names[c] != 0; c++)
            {
                string? source = Marshal.PtrToStringUTF8(JackNative.jack_port_name(_ports[c]));
                string? destination = Marshal.PtrToStringUTF8(names[c]);
                if (source is not null && destination is not null)
                {
                    JackNative.jack_connect(_client, source, destination);
                }
            }
        }
        finally
        {
            JackNative.jack_free(list);
        }
    }

    /// <summary>JACK's process callback, on its real-time thread. Never throws into native code.</summary>
    [UnmanagedCallersOnly]
    private static int OnProcess(uint frames, nint argument)
    {
        var driver = (JackDriver)GCHandle.FromIntPtr(argument).Target!;
        try
        {
            driver.Process((int)frames);
        }
        catch (Exception)
        {
            Interlocked.Increment(ref driver._callbackErrors);
        }

        return 0;
    }

    [UnmanagedCallersOnly]
    private static int OnXrun(nint argument)
    {
        var driver = (JackDriver)GCHandle.FromIntPtr(argument).Target!;
        driver.Stats.RecordXrun(XrunSource.Server, driver._renderer.Position);
        return 0;
    }

    [UnmanagedCallersOnly]
    private static int OnBufferSize(uint frames, nint argument)
    {
        Volatile.Write(ref ((JackDriver)GCHandle.FromIntPtr(argument).Target!)._bufferFrames, (int)frames);
        return 0;
    }

    [UnmanagedCallersOnly]
    private static int OnSampleRate(uint rate, nint argument)
    {
        var driver = (JackDriver)GCHandle.FromIntPtr(argument).Target!;
        if (rate != driver.SampleRate)
        {
            driver._sampleRateChanged = true;
        }

        return 0;
    }

    [UnmanagedCallersOnly]
    private static void OnShutdown(nint argument)
    {
        ((JackDriver)GCHandle.FromIntPtr(argument).Target!)._shutdown = true;
    }

    [UnmanagedCallersOnly]
    private static void Discard(nint message)
    {
    }

    private static void Silence()
    {
        JackNative.jack_set_error_function(&Discard);
        JackNative.jack_set_info_function(&Discard);
    }

    private void Process(int frames)
    {
        // How late this callback starts: its distance from the previous one's start, less one period (a callback
        // that comes early after a late one counts as on time). JACK's own cycle times are not used: JACK2 runs its
        // clients asynchronously, and its timing filter restarts after every xrun.
        long startTicks = System.Diagnostics.Stopwatch.GetTimestamp();
        long periodTicks = frames * System.Diagnostics.Stopwatch.Frequency / SampleRate;
        if (_previousStartTicks != 0)
        {
            Stats.RecordStartLate(startTicks - _previousStartTicks - periodTicks);
        }

        _previousStartTicks = startTicks;
        if (_audioThreadId == 0)
        {
            // Once: one system call, no allocation; the control thread reads it (IsolateProcessThread).
            Volatile.Write(ref _audioThreadId, RealTime.AudioCpuIsolation.CurrentThreadId());
        }

        // Port buffers are valid for this callback only: ask for them every time (JACK's rule), into a preallocated array.
        for (int c = 0; c < _ports.Length; c++)
        {
            _buffers[c] = JackNative.jack_port_get_buffer(_ports[c], (uint)frames);
        }

        fixed (float** channels = _buffers)
        {
            RendererPump.Pump(_renderer, channels, frames, Stats);
        }
    }
}
