using WalSync.Cli;

return await WalSyncCommandLine.InvokeAsync(args);
