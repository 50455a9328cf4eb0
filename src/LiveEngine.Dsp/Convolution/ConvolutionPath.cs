namespace LiveEngine.Dsp.Convolution;

/// <summary>One route through a convolver: input channel <paramref name="Input"/> convolved with impulse-response channel <paramref name="ImpulseResponse"/>, added to output channel <paramref name="Output"/>.</summary>
public readonly record struct ConvolutionPath(int Input, int ImpulseResponse, int Output);
