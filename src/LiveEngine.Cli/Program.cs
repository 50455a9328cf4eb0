using LiveEngine.Cli;

return await LiveEngineCommand.Create().Parse(args).InvokeAsync();
